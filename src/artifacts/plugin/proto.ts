/**
 * The artifact plugin gRPC service (artifacts spec §6.8; pkg/apiclient/artifact/artifact.proto): package
 * `artifact`, service `ArtifactService`. Its descriptor is generated at build time from the shared source
 * tarball (scripts/plugin-proto.ts → build/artifact-service.json, embedded in the plugin bundle) and turned into
 * a grpc-js service by @grpc/proto-loader (decision D13). Shared by the driver and the test plugin
 * (test/support/artifact-plugin/). Field names are proto-loader's camelCase forms of the .proto names.
 */
import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import descriptor from '../../../build/artifact-service.json' with { type: 'json' };

/** `defaults: true`: absent scalars read as their proto3 zero values (`success: false`, `error: ''`), as in Go. */
export const packageDefinition = fromJSON(descriptor as unknown as Parameters<typeof fromJSON>[0], { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: false });

const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as { artifact: { ArtifactService: grpc.ServiceClientConstructor } };
export const ArtifactServiceClient = loaded.artifact.ArtifactService;
export const artifactService: grpc.ServiceDefinition = ArtifactServiceClient.service;

export interface GrpcPluginArtifact { name?: string; configuration?: string; connectionTimeoutSeconds?: number; key?: string }
export interface GrpcArtifact {
  name?: string; path?: string; mode?: number; from?: string; plugin?: GrpcPluginArtifact; optional?: boolean;
  subPath?: string; recurseMode?: boolean; fromExpression?: string; deleted?: boolean;
}
export interface SuccessResponse { success: boolean; error: string }
export interface ListObjectsResponse { objects: string[]; error: string }
export interface IsDirectoryResponse { isDirectory: boolean; error: string }
export interface OpenStreamResponse { data: Buffer; isEnd: boolean; error: string }
export interface GetCapabilitiesResponse { supportsSaveStream: boolean }
export interface SaveStreamFrame { outputArtifact?: GrpcArtifact; chunk?: Buffer }
