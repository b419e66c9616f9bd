// Types of build.mjs (plain JavaScript: it runs before anything is compiled).
export declare function build(base?: string): void;
export declare function buildIfStale(base?: string): string | undefined;
export declare function buildCabinet(base?: string): void;
