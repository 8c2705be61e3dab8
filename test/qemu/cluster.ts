export async function runCluster(_repo: string): Promise<{ name: string; ok: boolean; detail: string }[]> { return [{ name: 'cluster', ok: false, detail: 'cluster boot test not written yet' }]; }
