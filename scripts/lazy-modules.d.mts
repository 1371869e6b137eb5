export declare const ENTRY: string;
export declare const CJS_LAZY: Readonly<Record<string, string>>;
export declare const ESM_LAZY: Readonly<Record<string, string>>;
export declare const LAZY_SOURCES: readonly string[];
