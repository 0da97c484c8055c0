export async function runLoco(_o: { work: string; files: string[]; outDir: string; nabRoot: string; scorer: string }) {}
