// The OCI layout builder is plain JavaScript so that the benchmark scripts (run by node without a
// build) share it with the tests.
export { MEDIA, OciLayout, randomStream } from '../../scripts/lib/oci-layout.mjs';
export type { BuiltImage, Descriptor, Platform } from '../../scripts/lib/oci-layout.mjs';
