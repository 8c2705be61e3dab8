// The one Handlebars environment: strict (a missing variable is an error) and noEscape
// (HTML escaping would corrupt shell, systemd and INI files). Pure.
import Handlebars from 'handlebars';
import { shellQuote } from '../plan/shell.ts';

export { shellQuote };

function createEnv(): typeof Handlebars {
  const hb = Handlebars.create();
  hb.registerHelper('shq', (v: unknown) => shellQuote(v));
  hb.registerHelper('join', (arr: unknown, sep: unknown) => (Array.isArray(arr) ? arr.join(typeof sep === 'string' ? sep : ' ') : ''));
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('ne', (a: unknown, b: unknown) => a !== b);
  hb.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hb.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  hb.registerHelper('not', (a: unknown) => !a);
  hb.registerHelper('json', (v: unknown) => JSON.stringify(v));
  hb.registerHelper('upper', (v: unknown) => String(v).toUpperCase());
  hb.registerHelper('lower', (v: unknown) => String(v).toLowerCase());
  return hb;
}

const env = createEnv();
const compiled = new Map<string, HandlebarsTemplateDelegate>();

/** Render template text with context. `name` is used in error messages and as the cache key. */
export function renderTemplate(name: string, text: string, context: object): string {
  const key = `${name}\0${text}`;
  let fn = compiled.get(key);
  if (!fn) {
    fn = env.compile(text, { strict: true, noEscape: true });
    compiled.set(key, fn);
  }
  try {
    return fn(context);
  } catch (e) {
    throw new Error(`template ${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
