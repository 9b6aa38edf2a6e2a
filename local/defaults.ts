/** Defaults of the local runtime, in a module light enough for every CLI command to import. */
export const DEFAULT_PORT = 8009;
export const DEFAULT_DATA_DIR = '.dbroles';
