export { ManifestError, formatFieldError, aggregateMessages } from './errors.ts';
export type { ManifestErrorCode, ManifestErrorDetails, FieldError, FieldErrorType } from './errors.ts';
export { MANIFEST_LIMITS, parseManifests, parseManifestsSettled, parseFieldPath, readManifestSources, nodeFileSystem } from './parse.ts';
export type { ParsedObject, ManifestSource, ParseResult, ManifestFileSystem, PathSegment } from './parse.ts';
export { RESOURCE_TYPES, resolveResource, resolveKind, expectedApiVersion, kindPrefix, resourceTypeForKind } from './kinds.ts';
export type { ResourceType, ResolveOptions } from './kinds.ts';
export { validateObject, validationErrors, warningsFor, deepEqual } from './validate.ts';
export { decodeBase64 } from './validateConfig.ts';
export type { Base64Result } from './validateConfig.ts';
export { POD_VOLUME_SOURCE_KEYS } from './validatePod.ts';
export { applyDefaults, prepareForCreate, podQOSClass } from './defaults.ts';
export { applyRequestNamespace } from './namespace.ts';
export type { NamespaceOptions } from './namespace.ts';
export {
  printTable, printTables, noResourcesFound, humanDuration, age, accessModesString,
  printJson, printYaml, printNames, describe, selectorString, tableCells,
} from './print.ts';
export type { TableOptions, DocumentOptions, DescribeOptions } from './print.ts';
export { TabWriter, formatTabbed } from './tabwriter.ts';
export type { TabWriterOptions } from './tabwriter.ts';
export { applyFieldValidation, validationDirective, findFieldIssues, fieldIssueText, hasFieldSchema } from './strictFields.ts';
export type { FieldValidation, FieldIssue, FieldValidationResult, FieldCheckedObject } from './strictFields.ts';
