import { describe, expect, it } from 'vitest';
import type { PlanStepView, SaveOutcome, SaveWatch } from '../bindings';
import { cmkView, revokedView, setKeyStep } from '../test/encryption';
import { saveOutcomeNotice, saveProgressPatch, saveSettledNotice } from './saveOutcome';

const grantStep: PlanStepView = {
  ...setKeyStep,
  kind: 'addAccessPolicy',
  title: 'Add an access policy for id-images to vault kv-contoso',
};

const watch: SaveWatch = {
  registryId: cmkView.registryId,
  desired: { keySource: 'customerManaged', keyUri: 'https://kv-contoso.vault.azure.net/keys/cmk-images', identity: { type: 'systemAssigned' }, grantAccess: false },
  beforeKey: 'https://kv-contoso.vault.azure.net/keys/cmk-old',
  beforeIdentity: 'system',
  step: setKeyStep,
  stepNumber: 2,
  stepCount: 2,
};

const inProgress: Extract<SaveOutcome, { status: 'inProgress' }> = {
  status: 'inProgress',
  completedSteps: [grantStep],
  reason:
    'Step 2 of 2 (Encrypt registry contosoimages with key cmk-images) has not finished: the save was cancelled. Azure reports the registry as Updating; keyblade keeps watching and will say how it ends.',
  provisioningState: 'Updating',
  watch,
  watching: true,
};

const failed: Extract<SaveOutcome, { status: 'failed' }> = {
  status: 'failed',
  failedStep: setKeyStep,
  stepNumber: 1,
  stepCount: 1,
  completedSteps: [],
  error: { code: 'azure.operationFailed', message: 'Azure reported the operation as Failed.' },
  encryptionUnchanged: true,
  mismatches: [],
  summary:
    "Step 1 of 1 failed: Encrypt registry contosoimages with key cmk-images. The registry's encryption is unchanged (keyblade read it back).",
  whatToDo: 'Fix the cause Azure gives, run preflight again and save.',
  view: cmkView,
};

describe('saveOutcomeNotice', () => {
  it('applied: saved and verified, with the key read back, and the note when Azure answered otherwise', () => {
    expect(saveOutcomeNotice({ status: 'applied', steps: [setKeyStep], view: cmkView, note: null })).toEqual({
      status: 'succeeded',
      message:
        'Saved and verified: keyblade read it back and it uses key cmk-images in kv-contoso (automatic rotation) through id-images.',
    });
    const note =
      'Azure answered "the connection was lost", but the registry read back shows the new key and identity in place: the change was applied.';
    expect(saveOutcomeNotice({ status: 'applied', steps: [setKeyStep], view: revokedView, note })).toEqual({
      status: 'succeeded',
      message: `Saved and verified: keyblade read it back and it uses key cmk-images in kv-contoso (automatic rotation) through id-images. Data health: ${revokedView.health.summary} ${note}`,
    });
    expect(saveOutcomeNotice({ status: 'applied', steps: [], view: null, note: null }).message).toBe(
      'Saved and verified: keyblade read it back and it uses the new key and identity.',
    );
  });

  it('unchanged: nothing to do', () => {
    expect(saveOutcomeNotice({ status: 'unchanged', view: cmkView })).toEqual({
      status: 'info',
      message: 'Nothing was changed: the registry already uses this key and identity.',
    });
  });

  it('inProgress: stays in progress with the reason, and never claims the registry is unchanged', () => {
    const notice = saveOutcomeNotice(inProgress);
    expect(notice).toEqual({
      status: 'inProgress',
      message: `Not finished yet: ${inProgress.reason} This notification updates when the save ends.`,
    });
    expect(notice.message).not.toMatch(/unchanged|Nothing was changed/i);
  });

  it('inProgress after a cancel: nothing more will come, so it ends as a warning with the reason', () => {
    const cancelled = {
      ...inProgress,
      watching: false,
      reason:
        'Step 2 of 2 (Encrypt registry contosoimages with key cmk-images) has not finished: the save was cancelled. Azure reports the registry as Updating; keyblade stopped watching: Azure may still finish the change, so refresh the Encryption blade later to see how it ended.',
    };
    const notice = saveOutcomeNotice(cancelled);
    expect(notice).toEqual({ status: 'warning', message: `Not finished: ${cancelled.reason}` });
    expect(notice.message).not.toMatch(/unchanged|updates when/);
  });

  it('refused: nothing was written, with the first error', () => {
    expect(
      saveOutcomeNotice({
        status: 'refused',
        findings: [{ severity: 'error', code: 'key.disabled', message: 'The key is disabled.', fix: null }],
      }),
    ).toEqual({
      status: 'failed',
      message: 'Nothing was changed: preflight found 1 error when saving. The key is disabled. Open Change key again to review them.',
    });
  });

  it('changedElsewhere: says which earlier steps stay', () => {
    const message = 'Registry contosoimages changed since keyblade read it. Reload the Encryption blade and save again.';
    expect(saveOutcomeNotice({ status: 'changedElsewhere', message, completedSteps: [] }).message).toBe(
      `Nothing was changed: the registry was changed elsewhere after keyblade read it. ${message}`,
    );
    expect(saveOutcomeNotice({ status: 'changedElsewhere', message, completedSteps: [grantStep] }).message).toBe(
      `The key was not changed: the registry was changed elsewhere after keyblade read it. ${message} These steps took effect before and stay: ${grantStep.title}.`,
    );
  });

  it('failed with the encryption read back as before: nothing was changed', () => {
    expect(saveOutcomeNotice(failed)).toEqual({
      status: 'failed',
      message: `Nothing was changed: ${failed.summary} Azure reported the operation as Failed. ${failed.whatToDo}`,
    });
    // A grant before the failed step stays: only the encryption is as before.
    expect(saveOutcomeNotice({ ...failed, completedSteps: [grantStep] }).message).toMatch(
      /^The registry's encryption was not changed: Step 1 of 1 failed: /,
    );
  });

  it('failed part-way: warns that the registry is in neither state, how it differs, and to check the blade', () => {
    const notice = saveOutcomeNotice({
      ...failed,
      encryptionUnchanged: false,
      mismatches: ['The key is cmk-other, not cmk-images.', 'The identity is id-images, not the system-assigned one.'],
      summary:
        'Step 1 of 1 failed: Encrypt registry contosoimages with key cmk-images. keyblade read it back and its encryption is neither what it was before the save nor what was asked: check the key and identity shown in the blade.',
    });
    expect(notice.status).toBe('failed');
    expect(notice.message).toMatch(
      /^Partly changed: keyblade read it back, and its key and identity are neither what they were nor what you asked for\. Check them in the Encryption blade before you save again\. Step 1 of 1 failed: /,
    );
    expect(notice.message).toContain(
      'How it differs: The key is cmk-other, not cmk-images. The identity is id-images, not the system-assigned one.',
    );
    expect(notice.message).toMatch(/Azure reported the operation as Failed\. .*Fix the cause Azure gives/);
    expect(notice.message).not.toMatch(/Nothing was changed/);
  });
});

describe('saveSettledNotice', () => {
  it('ends the notification with the outcome read back when the operation finished', () => {
    expect(
      saveSettledNotice({ operationId: 'save-1', outcome: { Ok: { status: 'applied', steps: [], view: cmkView, note: null } } }),
    ).toMatchObject({ status: 'succeeded', message: expect.stringMatching(/^Saved and verified: /) as unknown });
    expect(saveSettledNotice({ operationId: 'save-1', outcome: { Ok: failed } })).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/^Nothing was changed: /) as unknown,
    });
  });

  it('warns, without claiming either result, when keyblade stopped watching before it finished', () => {
    const notice = saveSettledNotice({ operationId: 'save-1', outcome: { Ok: inProgress } });
    expect(notice).toEqual({
      status: 'warning',
      message:
        'Not finished when keyblade stopped watching: step 2 of 2 (Encrypt registry contosoimages with key cmk-images) had not ended, and Azure reported the registry as Updating. The change may still complete in Azure. Refresh the Encryption blade later to see which key and identity the registry uses, and save again if they are not the new ones.',
    });
    // The shell's reason says it keeps watching; the watch is over, so the notice must not repeat it.
    expect(notice.message).not.toMatch(/keeps watching/);
  });

  it('warns when keyblade could not tell how it ended', () => {
    expect(
      saveSettledNotice({
        operationId: 'save-1',
        outcome: { Err: { code: 'azure.unreachable', message: 'Could not reach management.azure.com.', details: null } },
      }),
    ).toEqual({
      status: 'warning',
      message:
        'keyblade could not tell how the save ended: Could not reach management.azure.com. Refresh the Encryption blade to see which key and identity the registry uses, and save again if they are not the new ones.',
    });
  });
});

describe('saveProgressPatch', () => {
  it('shows a running step’s waiting message as the shell says it', () => {
    const message = "Set the registry's encryption key: Waiting for the new access to take effect. Next check in 10 s.";
    expect(
      saveProgressPatch(
        { operationId: 'save-1', stage: 'running', step: "Set the registry's encryption key", message, completedSteps: 1 },
        3,
      ),
    ).toEqual({ message, step: "Step 2 of 3: Set the registry's encryption key", progress: 1 / 3 });
  });
});
