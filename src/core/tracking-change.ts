// What changed in a way that affects where tracking links redirect: told by use cases, heard by the link cache and
// the conversion-facts cache, on this instance and (through the database) on the others.
export type TrackingChange =
  { kind: 'offer'; id: string } | { kind: 'link'; id: string } | { kind: 'member'; id: string };
