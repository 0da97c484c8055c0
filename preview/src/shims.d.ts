declare module 'grafana-runtime-panel-renderer' {
  export function setPanelRenderer(renderer: unknown): void;
}
declare module 'grafana-runtime-plugin-page' {
  export function setPluginPage(component: unknown): void;
}
declare module 'systemjs/dist/system.js';
declare module 'systemjs/dist/extras/amd.js';
