/** The wire protocol codec (PROTOCOL.md). Import from '@dure/shared/protocol/index'. */
export * from './limits';
export { ID_BYTES, type DecodeError } from './codec';
export * from './envelope';
export * from './auth';
export * from './frames';
export * from './replay';
export * from './verify';
export * from './signal';
export * from './peer-frames';
