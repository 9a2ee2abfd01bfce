// `@raycaster/realtime/media`: the client's opt-in media tracks (see
// `@raycaster/realtime-client/media`), for apps that import the umbrella.
export { mediaOf, ClientMedia } from "@raycaster/realtime-client/media";
export type { TrackTarget } from "@raycaster/realtime-client/media";
