/** Vite's `?url` import (the browser tests fetch binary fixtures through it). */
declare module '*?url' {
  const url: string;
  export default url;
}
