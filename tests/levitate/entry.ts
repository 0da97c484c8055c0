// Entry for `npm run levitate`: what both plugins import from @grafana/*, checked against the latest
// published @grafana packages (levitate resolves imports from here, where the root devDependencies pin 12.4.10).
export * as app from '../../plugin-app/src/module';
export * as datasource from '../../plugin-datasource/src/module';
