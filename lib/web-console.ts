import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CfnElement, CfnOutput, DefaultStackSynthesizer, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { IdentityPool, IdentityPoolProviderUrl, UserPoolAuthenticationProvider } from 'aws-cdk-lib/aws-cognito-identitypool';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';

/** The groups people are put in, and the API policy each one's role gets. */
export const ADMIN_GROUP = 'dbroles-admins';
export const AUDITOR_GROUP = 'dbroles-auditors';

/** What the browser sends beyond a simple request: SigV4's headers and JSON bodies. */
export const CORS_ALLOWED_HEADERS = ['authorization', 'x-amz-date', 'x-amz-security-token', 'content-type'];

export interface WebConsoleProps {
  readonly httpApi: apigw.HttpApi;
  readonly adminPolicy: iam.IManagedPolicy;
  readonly auditorPolicy: iam.IManagedPolicy;
  /** The built console (`npm run build:web`). */
  readonly assetsDir: string;
  /** The Cognito hosted sign-in domain prefix (globally unique). @default dbroles-<account>-<region> */
  readonly domainPrefix?: string;
}

/**
 * The web console, deployed: its files in a private bucket behind CloudFront (origin access
 * control), people in a Cognito user pool, and an identity pool that gives each signed-in person
 * the role of their group. The browser signs API calls with those credentials (SigV4), so the API
 * keeps IAM authorization and the very policies people get from the CLI.
 */
export class WebConsole extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly userPool: cognito.UserPool;
  readonly identityPool: IdentityPool;

  constructor(scope: Construct, id: string, props: WebConsoleProps) {
    super(scope, id);
    if (!existsSync(join(props.assetsDir, 'index.html'))) {
      throw new Error(`-c webUi=true needs the built console in ${props.assetsDir}: run "npm run build:web" first`);
    }
    const stack = Stack.of(this);

    const bucket = new s3.Bucket(this, 'Assets', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });

    this.userPool = new cognito.UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: { minLength: 14, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const domain = this.userPool.addDomain('SignIn', { cognitoDomain: { domainPrefix: props.domainPrefix ?? `dbroles-${stack.account}-${stack.region}` } });

    const cognitoDomain = `https://${domain.domainName}.auth.${stack.region}.amazoncognito.com`;
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'Headers', {
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            // The API by pattern, not by its URL: the API's CORS names this distribution, so naming the API here would be a cycle.
            `connect-src 'self' https://*.execute-api.${stack.region}.${stack.urlSuffix} https://cognito-identity.${stack.region}.${stack.urlSuffix} ${cognitoDomain}`,
            "frame-ancestors 'none'",
            "base-uri 'none'",
          ].join('; '),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'dbroles web console',
      defaultRootObject: 'index.html',
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      },
    });
    const origin = `https://${this.distribution.distributionDomainName}`;

    const client = this.userPool.addClient('Web', {
      generateSecret: false,
      preventUserExistenceErrors: true,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
        callbackUrls: [`${origin}/`],
        logoutUrls: [`${origin}/`],
      },
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(8),
    });

    this.identityPool = new IdentityPool(this, 'Identities', {
      allowUnauthenticatedIdentities: false,
      authenticationProviders: { userPools: [new UserPoolAuthenticationProvider({ userPool: this.userPool, userPoolClient: client })] },
      // The role comes from the ID token's cognito:preferred_role (the group's role); none: denied.
      roleMappings: [{ mappingKey: 'users', providerUrl: IdentityPoolProviderUrl.userPool(this.userPool, client), useToken: true, resolveAmbiguousRoles: false }],
    });
    const groupRole = (name: string, policy: iam.IManagedPolicy) =>
      new iam.Role(this, name, {
        description: `dbroles web console: people in ${name === 'AdminRole' ? ADMIN_GROUP : AUDITOR_GROUP}`,
        assumedBy: new iam.FederatedPrincipal(
          'cognito-identity.amazonaws.com',
          {
            StringEquals: { 'cognito-identity.amazonaws.com:aud': this.identityPool.identityPoolId },
            'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
          },
          'sts:AssumeRoleWithWebIdentity',
        ),
        managedPolicies: [policy],
        maxSessionDuration: Duration.hours(1),
      });
    const adminRole = groupRole('AdminRole', props.adminPolicy);
    const auditorRole = groupRole('AuditorRole', props.auditorPolicy);
    new cognito.CfnUserPoolGroup(this, 'Admins', { userPoolId: this.userPool.userPoolId, groupName: ADMIN_GROUP, roleArn: adminRole.roleArn, precedence: 1 });
    new cognito.CfnUserPoolGroup(this, 'Auditors', { userPoolId: this.userPool.userPoolId, groupName: AUDITOR_GROUP, roleArn: auditorRole.roleArn, precedence: 2 });

    // The browser on the console's origin may call the API with SigV4 headers.
    (props.httpApi.node.defaultChild as apigw.CfnApi).corsConfiguration = {
      allowOrigins: [origin],
      allowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowHeaders: CORS_ALLOWED_HEADERS,
      maxAge: 3600,
    };

    const deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      destinationBucket: bucket,
      sources: [
        s3deploy.Source.asset(props.assetsDir),
        s3deploy.Source.jsonData('config.json', {
          auth: 'cognito',
          region: stack.region,
          apiUrl: props.httpApi.apiEndpoint,
          userPoolId: this.userPool.userPoolId,
          userPoolClientId: client.userPoolClientId,
          identityPoolId: this.identityPool.identityPoolId,
          cognitoDomain,
        }),
      ],
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/config.json'],
      memoryLimit: 512,
    });

    new CfnOutput(this, 'Url', { value: `${origin}/`, description: 'The dbroles web console' });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId, description: `Add people, then put each in ${ADMIN_GROUP} or ${AUDITOR_GROUP}` });
    this.acknowledgeNagFindings(bucket, deployment);
  }

  private acknowledgeNagFindings(bucket: s3.Bucket, deployment: s3deploy.BucketDeployment): void {
    // cdk-nag names a finding by its evidence, tokens shown as <...>.
    const stack = Stack.of(this);
    const shown = (value: string, token: string) => (Token.isUnresolved(value) ? `<${token}>` : value);
    const qualifier = (this.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') as string | undefined) ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const staging = `arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-${shown(stack.account, 'AWS::AccountId')}-${shown(stack.region, 'AWS::Region')}/*`;
    const evidence = [
      ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => `Action::${action}`),
      `Resource::${staging}`,
      `Resource::<${stack.getLogicalId(bucket.node.defaultChild as CfnElement)}.Arn>/*`,
    ];
    const upload = "CDK's own upload function: the wildcards of its grants, on the staging bucket's objects and on this console's bucket.";
    Validations.of(deployment.handlerRole).acknowledge(...evidence.map((e) => ({ id: `AwsSolutions-IAM5[${e}]`, reason: upload })));
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'The bucket holds only the built console, replaced on each deploy; CloudFront is its only reader.' });
    Validations.of(this.distribution).acknowledge(
      { id: 'AwsSolutions-CFR1', reason: 'Who may use the console is decided by Cognito and IAM, not by country.' },
      { id: 'AwsSolutions-CFR2', reason: 'Static files only: every API call is IAM-authorized at API Gateway, which logs each access.' },
      { id: 'AwsSolutions-CFR3', reason: 'Static files only; the API access log records every call people make.' },
      { id: 'AwsSolutions-CFR4', reason: 'The default CloudFront certificate; TLS 1.2 is the minimum set for viewers.' },
    );
    const plus = 'No self sign-up and MFA required; threat protection needs the paid Plus feature plan, left to the operator.';
    Validations.of(this.userPool).acknowledge({ id: 'AwsSolutions-COG3', reason: plus }, { id: 'AwsSolutions-COG8', reason: plus });
  }
}
