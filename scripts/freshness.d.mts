// Types of freshness.mjs (plain JavaScript, so that bin/kopek.mjs runs it without a compiler).
export declare const buildInputs: string[];
export declare const stampName: string;
export declare function newestInput(root: string): { path: string; mtimeMs: number };
export declare function staleness(root: string): string | undefined;
export declare const cabinetBuildInputs: string[];
export declare function newestCabinetInput(root: string): { path: string; mtimeMs: number };
export declare function cabinetStaleness(root: string): string | undefined;
