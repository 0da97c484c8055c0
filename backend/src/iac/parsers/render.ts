import type { Finding, ParseError, SourceFile } from '../model.js';
import { helmTemplate, mapChartFindings, planHelm, type HelmRender } from './helm.js';
import { kubectlKustomize, mapOverlayFindings, planKustomize, type KustomizeBuild } from './kustomize.js';

export interface RenderTools {
  kustomize: KustomizeBuild;
  helm: HelmRender;
}

export interface RenderedSources {
  /** What to scan: rendered Helm charts and built Kustomize overlays in place of the files they are made of. */
  files: SourceFile[];
  /** Charts and overlays that could not be rendered. */
  problems: ParseError[];
  /** Sends findings on rendered output back to the source files. */
  mapBack(findings: Finding[]): Finding[];
}

/** Renders Helm charts and builds Kustomize overlays found under the scan root (a folder on disk) before scanning. */
export async function renderSources(root: string, files: SourceFile[], tools: RenderTools = { kustomize: kubectlKustomize, helm: helmTemplate }): Promise<RenderedSources> {
  const helm = await planHelm(root, files, tools.helm);
  const kustomize = await planKustomize(root, helm.files, tools.kustomize);
  return {
    files: kustomize.files,
    problems: [...helm.problems, ...kustomize.problems],
    mapBack: (findings) => mapChartFindings(mapOverlayFindings(findings, kustomize, files), helm, files),
  };
}
