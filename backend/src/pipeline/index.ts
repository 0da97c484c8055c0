/** The incident pipeline: agents, their tools (also served over MCP), similar incidents, postmortems. */
export { createPipeline, type Pipeline, type PipelineDeps, type SimilarIncident } from './orchestrator.js';
export { createPipelineStore, type PipelineStore, type AgentStats, type Postmortem } from './store.js';
export { createToolset, type ToolsetDeps } from './toolset.js';
export { createToolRegistry, createToolRunner, defineTool, type ToolDefinition, type ToolRegistry, type ToolRunner, type ToolCall } from './tools.js';
export { defineAgent, type AgentDefinition, type AgentContext } from './agent.js';
export { createLlmClient, createMasker, type LlmClient, type Masker } from './llm.js';
export { createMcpServer, withMcpEndpoint } from './mcp.js';
export { pipelineRoutes } from './routes.js';
export { hashVector, cosineSparse, incidentTokens } from './similar.js';
export { loadFixerModel, type FixerModel } from './agents/fixer/index.js';
export type { ScannerProvider } from './agents/live-objects.js';
