// Types of @payvost/node-sdk's ES module entry (index.mjs): the CommonJS
// entry's declarations by name, so that both entries' classes are the same
// types, as their objects are the same at run time. Its default export is
// the CommonJS module object.
export * from './index.js'
import payvost from './index.js'
export default payvost
