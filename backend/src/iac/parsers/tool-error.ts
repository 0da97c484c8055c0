/**
 * The line that says why an external tool (kubectl kustomize, helm) failed: tools print deprecation warnings before
 * the error, and kubectl wraps it in a klog line (`E… run.go:72] "command failed" err="…"`).
 */
export function toolFailure(stderr: string, fallback: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^#?\s*warning\b/i.test(l) && !/^walk\.go:/.test(l));
  const line = lines.find((l) => /\berr="|^Error:/.test(l)) ?? lines[0];
  if (!line) return fallback;
  const klog = /\berr="(.*)"\s*$/.exec(line);
  return klog?.[1] ? klog[1].replace(/\\"/g, '"') : line.replace(/^Error:\s*/, '');
}
