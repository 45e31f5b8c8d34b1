# Serves worker.mjs locally with Cloudflare's workerd (npm `workerd`), from a
# bundle made with the package's workerd build:
#   npx esbuild worker.mjs --bundle --format=esm --conditions=workerd --external:*.wasm --outfile=bundle.mjs
#   cp node_modules/@payvost/webhooks-wasm/dist/payvost_wasm_bg.wasm .
#   PAYVOST_WEBHOOK_SECRET=whsec_... npx workerd serve config.capnp [--socket-addr http=127.0.0.1:PORT]
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "bundle.mjs"),
    (name = "dist/payvost_wasm_bg.wasm", wasm = embed "payvost_wasm_bg.wasm"),
  ],
  bindings = [(name = "PAYVOST_WEBHOOK_SECRET", fromEnvironment = "PAYVOST_WEBHOOK_SECRET")],
  compatibilityDate = "2026-11-01",
);
