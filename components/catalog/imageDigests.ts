/**
 * The image lock: each pinned image reference of the catalog (components/catalog/images.ts IMAGES and
 * RUNPOD_WORKER) → the sha256 digest its registry served for it, as read by `npm run images:lock`
 * (bin/images-lock.ts, which rewrites this file; it needs network to the registries).
 *
 * A digest that was not read from its registry must never be written here. References missing from the lock
 * are pinned by their tag only, and the plan's summary says so.
 */
export const IMAGE_DIGESTS: Readonly<Record<string, string>> = {};
