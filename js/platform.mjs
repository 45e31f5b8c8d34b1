// The function platform this code runs on, told by the variables each sets
// in its functions' environment, and how to hand the raw body there: the
// most common failure on these platforms is a body the platform parsed or
// re-encoded before the SDK saw it.

const FIXES = {
  vercel: "On Vercel's Node runtime, a handler(req, res) gets req.body parsed: export a Web-standard " +
    'POST(request) and use constructEventFromRequest, or turn the parser off (export const config = ' +
    '{ api: { bodyParser: false } }) and pass the bytes read from req.',
  netlify: 'On Netlify, pass await req.text() in a function of the current format (export default async (req) => ...), ' +
    'or hand a handler(event) function\'s event to constructEventFromLambda.',
  gcp: 'On Google Cloud Functions and Firebase, pass req.rawBody, the bytes as received (req.body is parsed).',
  lambda: "On AWS Lambda, hand the handler's event to constructEventFromLambda(event, secret), which reads the " +
    'body as the front end delivered it (decoding it when isBase64Encoded is true).',
}

/** The platform's variables, where the runtime has a process environment. */
function environment() {
  try {
    return globalThis.process?.env ?? {}
  } catch {
    return {} // Deno without --allow-env throws
  }
}

/**
 * How to pass the raw body on the function platform this runs on, or
 * `undefined` off one. Vercel and Netlify run on AWS Lambda too, so they
 * are told apart first.
 */
export function platformFix() {
  const env = environment()
  if (env.VERCEL) return FIXES.vercel
  if (env.SITE_ID && env.SITE_NAME) return FIXES.netlify
  if (env.FUNCTION_TARGET || env.K_SERVICE || env.FIREBASE_CONFIG) return FIXES.gcp
  if (env.AWS_LAMBDA_FUNCTION_NAME) return FIXES.lambda
  return undefined
}
