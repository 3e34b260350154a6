/** The MIME types this extension renders, defined once in the kernel library's browser-safe payload module. */
export { TORCH_FLOW_MIME_TYPE as TORCH_FLOW_MIME, SIMULATION_MIME_TYPE as SIMULATION_MIME } from 'campfires/display';
