# The Outrigger image: Node 20 on Debian bookworm with the sandbox's tools (bubblewrap) and the interpreters of code
# executors (Python, PHP; Node is the base). Build: `docker build -t outrigger .`; run: see docker-compose.yml.
# The sandbox needs unprivileged user namespaces and a writable cgroup v2 subtree in the container (README, "Running a
# fleet"); without them start with OUTRIGGER_SANDBOX=auto (code executors answer 503) or off.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY console/package.json console/package-lock.json ./console/
RUN npm ci && npm --prefix console ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
# bubblewrap: the sandbox; python3, php-cli (+ curl, zip, mbstring, composer, unzip): code executors and their
# dependency builds; ca-certificates: TLS of apiCall executors; tini: signals reach node (graceful shutdown).
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    bubblewrap python3 python3-venv php-cli php-curl php-zip php-mbstring composer unzip ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/console/dist ./console/dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/sdk ./sdk
ENV OUTRIGGER_DATA_DIR=/data HOST=0.0.0.0 PORT=8080
RUN mkdir -p /data && chmod 0711 /data
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["tini", "--", "node", "bin/outrigger.js"]
CMD ["serve"]
