// STUB — to be replaced by the quantity helper. API contract only.
export interface Quantity { readonly num: bigint; readonly den: bigint; readonly format: 'BinarySI' | 'DecimalSI' | 'DecimalExponent' }
export declare function parseQuantity(text: string): Quantity;
export declare function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1;
export declare function formatQuantity(q: Quantity): string;
