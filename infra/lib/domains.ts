/**
 * Custom domains: the certificate of a host name, made in the stage's hosted zone (DNS
 * validation) or imported from the ARN the config gives. Each stack builds its own from
 * the config, so no construct crosses a Region.
 */
import { Certificate, CertificateValidation, type ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import { HostedZone, type IHostedZone } from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import type { CustomDomains } from './config.js';

/** The stage's hosted zone in this stack, when the config names one. */
export function stageZone(scope: Construct, domains: CustomDomains): IHostedZone | undefined {
  return domains.mode === 'zone'
    ? HostedZone.fromHostedZoneAttributes(scope, 'Zone', {
        hostedZoneId: domains.hostedZoneId,
        zoneName: domains.hostedZoneName,
      })
    : undefined;
}

/**
 * The certificate of `host` in the scope's Region: with a hosted zone a new DNS-validated one, with
 * `certificates` the configured one (`edge` for us-east-1's distribution, `api[region]` otherwise),
 * and none without either.
 */
export function domainCertificate(
  scope: Construct,
  id: string,
  host: string,
  domains: CustomDomains,
  zone: IHostedZone | undefined,
  certificateOf: 'edge' | string,
): ICertificate | undefined {
  if (domains.mode === 'zone' && zone) {
    return new Certificate(scope, id, {
      domainName: host,
      certificateName: host,
      validation: CertificateValidation.fromDns(zone),
    });
  }
  if (domains.mode === 'certificates') {
    const arn = certificateOf === 'edge' ? domains.edge : domains.api[certificateOf];
    // The config names a missing Region before any stack is built.
    if (!arn) throw new Error(`No certificate for ${host} in the config (certificates.api.${certificateOf})`);
    return Certificate.fromCertificateArn(scope, id, arn);
  }
  return undefined;
}
