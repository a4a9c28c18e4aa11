/** Artifactory artifacts (artifacts spec §6.3): the HTTP driver with Basic auth from usernameSecret/passwordSecret. */
import type { Artifact } from '../../core/template.ts';
import type { DriverContext } from '../driver.ts';
import { HttpArtifactDriver } from '../http/driver.ts';

export function newArtifactoryDriver(artifact: Artifact, ctx: DriverContext): HttpArtifactDriver {
  return new HttpArtifactDriver(artifact, ctx, 'artifactory');
}
