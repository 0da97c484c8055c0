// SystemJS with the AMD extra, as Grafana loads plugins. Imported AFTER the shared libraries so UMD
// libraries (lodash…) export normally instead of registering with the global define().
import 'systemjs/dist/system.js';
import 'systemjs/dist/extras/amd.js';
