// Container images and compose stacks for the end-to-end tests: the images are built by
// docker/build-images.sh from this machine's build, and the stacks of docker/compose*.yaml run
// with `docker compose` where a Docker engine answers, else with podman-compose (what
// scripts/setup-containers.sh installs on the project's machines).

import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';

const run = promisify(execFile);
export const ROOT = join(import.meta.dirname, '..', '..');

/** `docker` if its daemon answers, else `podman`; $CONTAINER_ENGINE decides if set. */
export function containerEngine() {
  if (process.env.CONTAINER_ENGINE) return process.env.CONTAINER_ENGINE;
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
    return 'docker';
  } catch {
    return 'podman';
  }
}

/** Builds the four images with the tag `tag` (docker/build-images.sh); returns its output. */
export async function buildImages(tag) {
  const { stdout, stderr } = await run(join(ROOT, 'docker', 'build-images.sh'), [], {
    env: { ...process.env, DIMO_IMAGE_TAG: tag, CONTAINER_ENGINE: containerEngine() },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout + stderr;
}

/**
 * A compose project of `file` (under docker/) named `project`, with `env` (the DIMO_* ports and
 * the image tag) for its variables. Returns { engine, container, up, down, remove, stop, start, exec, logs, state, healthy }.
 */
export function composeProject(file, project, env) {
  const engine = containerEngine();
  const composeFile = join(ROOT, 'docker', file);
  const base = engine === 'docker'
    ? ['compose', '-p', project, '-f', composeFile]
    : ['-p', project, '-f', composeFile];
  const program = engine === 'docker' ? 'docker' : 'podman-compose';
  const options = { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024, timeout: 300_000 };
  const compose = async (...args) => {
    try {
      const { stdout } = await run(program, [...base, ...args], options);
      return stdout;
    } catch (error) {
      throw new Error(`${program} ${args.join(' ')} failed: ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    }
  };
  // podman-compose names containers PROJECT_SERVICE_1, docker compose PROJECT-SERVICE-1.
  const container = (service) => (engine === 'docker' ? `${project}-${service}-1` : `${project}_${service}_1`);
  return {
    engine,
    container,
    up: () => compose('up', '-d'),
    down: ({ volumes = false } = {}) => compose('down', ...(volumes ? ['-v'] : [])),
    /** `down -v`, and the project's network, which podman-compose 1.0.3 leaves behind. */
    remove: async () => {
      await compose('down', '-v');
      if (engine === 'podman') await run('podman', ['network', 'rm', '-f', `${project}_default`], options).catch(() => {});
    },
    stop: (service) => compose('stop', service),
    start: (service) => compose('start', service),
    /** Runs a command in a service's running container; returns its stdout. */
    exec: async (service, ...command) => (await run(engine, ['exec', container(service), ...command], options)).stdout,
    /** The last lines of a service's log (for failure messages). */
    logs: async (service, lines = 40) => {
      try {
        const { stdout, stderr } = await run(engine, ['logs', '--tail', String(lines), container(service)], options);
        return stdout + stderr;
      } catch (error) {
        return `(no log of ${service}: ${error.message})`;
      }
    },
    /** A container's state: { status, exitCode }. */
    state: async (service) => {
      const { stdout } = await run(engine, ['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', container(service)], options);
      const [status, exitCode] = stdout.trim().split(' ');
      return { status, exitCode: Number(exitCode) };
    },
    /** Runs the image's HEALTHCHECK now (podman) or reads its last result (docker): true if healthy. */
    healthy: async (service) => {
      try {
        if (engine === 'podman') {
          await run('podman', ['healthcheck', 'run', container(service)], options);
          return true;
        }
        const { stdout } = await run('docker', ['inspect', '--format', '{{.State.Health.Status}}', container(service)], options);
        return stdout.trim() === 'healthy';
      } catch {
        return false;
      }
    },
  };
}
