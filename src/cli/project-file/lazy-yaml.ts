// The YAML parser, loaded on first use: the container form never reads a project file, so it should
// not pay for initialising the parser at every start.
import type { Scalar, YAMLMap, YAMLSeq } from 'yaml';

export function loadYaml(): typeof import('yaml') {
  return require('yaml') as typeof import('yaml');
}

export const isMap = (node: unknown): node is YAMLMap => loadYaml().isMap(node);
export const isSeq = (node: unknown): node is YAMLSeq => loadYaml().isSeq(node);
export const isScalar = (node: unknown): node is Scalar => loadYaml().isScalar(node);
