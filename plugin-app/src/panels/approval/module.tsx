import { PanelPlugin } from '@grafana/data';
import { ApprovalPanel } from './ApprovalPanel';

export const plugin = new PanelPlugin(ApprovalPanel);
