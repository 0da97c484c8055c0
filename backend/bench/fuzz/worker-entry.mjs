// Worker thread entry: registers tsx (workers do not inherit the loader) and fuzzes one target.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
