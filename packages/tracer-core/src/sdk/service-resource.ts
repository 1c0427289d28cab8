import {
  defaultResource,
  detectResources,
  envDetector,
  type Resource,
  resourceFromAttributes,
} from "@opentelemetry/resources";

export interface ServiceResourceOptions {
  /** Attributes of the process; `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_SERVICE_NAME` override them. */
  resource?: Resource;
  /** `service.name`, over everything else (as the OpenTelemetry Node SDK's `serviceName`). */
  serviceName?: string;
}

/**
 * The resource OpenTelemetry's Node SDK would build, lowest precedence first: the SDK's
 * defaults (`service.name` = `unknown_service:node`, `telemetry.sdk.*`), the `resource`
 * option, what the SDK's own environment detector reads from `OTEL_RESOURCE_ATTRIBUTES`
 * and `OTEL_SERVICE_NAME`, and last the `serviceName` option.
 */
export function createServiceResource(options: ServiceResourceOptions = {}): Resource {
  let resource = defaultResource();
  if (options.resource !== undefined) resource = resource.merge(options.resource);
  resource = resource.merge(detectResources({ detectors: [envDetector] }));
  if (options.serviceName !== undefined) {
    if (options.serviceName.length === 0) throw new Error("serviceName must not be empty");
    resource = resource.merge(resourceFromAttributes({ "service.name": options.serviceName }));
  }
  return resource;
}
