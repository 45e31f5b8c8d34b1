// The addon is a native module: Next.js loads it from node_modules at run
// time rather than bundling it.
export default {
  serverExternalPackages: ['@payvost/node-sdk'],
}
