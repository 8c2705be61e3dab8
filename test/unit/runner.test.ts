import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExecaRunner } from '../../build/infra/runner.ts';
import { CancelledError, StepFailedError } from '../../build/ui/errors.ts';
import { REPO } from '../helpers.ts';

const tool = join(REPO, 'test/fixtures/bin-runner/fake-tool');
const dir = mkdtempSync(join(tmpdir(), 'okome-runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ExecaRunner (real processes, fake tool)', () => {
  it('logs the command and both output streams', async () => {
    const log = join(dir, 'ok.log');
    const r = await new ExecaRunner().run(tool, ['a', 'b c'], { step: 'base', log, env: { FAKE_RECORD: join(dir, 'argv') } });
    expect(r.exitCode).toBe(0);
    const text = readFileSync(log, 'utf8');
    expect(text).toContain(`$ ${tool} a 'b c'`);
    expect(text).toContain('fake-tool stdout: a b c');
    expect(text).toContain('fake-tool stderr line');
    expect(readFileSync(join(dir, 'argv'), 'utf8')).toBe('a b c\n');
  });

  it('captures stdout when asked', async () => {
    const r = await new ExecaRunner().run(tool, ['x'], { step: 's', capture: true });
    expect(r.stdout).toContain('fake-tool stdout: x');
  });

  it('a failing tool names the step, the command, the status, the log and its last lines', async () => {
    const log = join(dir, 'fail.log');
    const err = await new ExecaRunner().run(tool, ['--boom'], { step: 'assemble', log, env: { FAKE_EXIT: '3' } }).catch((e) => e);
    expect(err).toBeInstanceOf(StepFailedError);
    const text = (err as StepFailedError).render();
    expect(text).toContain('step "assemble" failed');
    expect(text).toContain(`command: ${tool} --boom`);
    expect(text).toContain('status:  exited with status 3');
    expect(text).toContain(`log:     ${log}`);
    expect(text).toContain('fake-tool stderr line');
    expect((err as StepFailedError).exitCode).toBe(1);
  });

  it('accepts extra success codes', async () => {
    const r = await new ExecaRunner().run(tool, [], { step: 's', env: { FAKE_EXIT: '2' }, okCodes: [0, 2] });
    expect(r.exitCode).toBe(2);
  });

  it('a missing tool says it was not found', async () => {
    const err = await new ExecaRunner().run('okome-no-such-tool', [], { step: 'base' }).catch((e) => e);
    expect(err).toBeInstanceOf(StepFailedError);
    expect((err as StepFailedError).status).toBe('was not found (is it installed?)');
  });

  it('cancellation kills the tool and raises CancelledError', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const p = new ExecaRunner({ signal: ac.signal }).run(tool, [], { step: 'rootfs', env: { FAKE_SLEEP: '20' } });
    setTimeout(() => ac.abort(), 200);
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});
