// The CDK app: cdk.json context in, one stack out, checked by cdk-nag's AwsSolutions pack on every synth.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { checkContextKeys, type RevokerConfig, readConfig } from './config.js';
import { ContextError } from './errors.js';
import { RevokerStack } from './RevokerStack.js';

/** Exported so a test can add a non-compliant resource and watch the synth refuse it. */
export const app = new App();

const configure = (): RevokerConfig => {
  try {
    checkContextKeys(Object.keys(app.node.getAllContext()));
    return readConfig((key) => app.node.tryGetContext(key));
  } catch (error) {
    // A wrong setting is the operator's to fix: say which one, without a stack trace.
    if (!(error instanceof ContextError)) throw error;
    console.error(`meeting-token-revoker: ${error.message}`);
    process.exit(1);
  }
};
const config = configure();

new RevokerStack(app, config.stackName, {
  config,
  // The account and region of the CLI's credentials (or CDK_DEFAULT_*): deploy where you are logged in.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

// A finding that is neither fixed nor acknowledged with a reason stops the synth, and so the deploy.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
