// This tool's identity, written into manifests. Pure constant (bumped with package.json).
export const TOOL = { name: 'okome-image', version: '0.1.0' } as const;
