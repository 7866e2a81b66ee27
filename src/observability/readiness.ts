// One readiness check of /readyz: the database, the sandbox, the event loop, every background loop.
export interface ReadinessCheck {
  name: string;
  check(): Promise<{ ok: boolean; detail?: string }>;
}
