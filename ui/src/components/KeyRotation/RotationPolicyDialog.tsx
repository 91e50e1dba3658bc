import { Checkbox, Field, Input, MessageBar, MessageBarBody, Select } from '@fluentui/react-components';
import { useState } from 'react';
import type { RotationPolicy } from '../../bindings';
import { FormDialog } from '../FormDialog';
import {
  formFromPolicy,
  policyFromForm,
  validatePolicyForm,
  type DurationUnit,
  type RotationPolicyFormState,
} from './rotationPolicyForm';
import { useKeyRotationStyles } from './useKeyRotationStyles.styles';

export interface RotationPolicyDialogProps {
  keyName: string;
  /** The policy as read; null when it could not be read (the form starts from Key Vault's default). */
  current: RotationPolicy | null;
  /** The resource pins a key version: new versions the policy creates are not picked up. */
  pinned: boolean;
  /** Review: the caller plans the policy (LifecycleReview) and closes the dialog. */
  onReview: (policy: RotationPolicy) => void;
  onClose: () => void;
}

/** Edit rotation policy: rotate every N, notify N days before expiry, expire after N; then the review. */
export function RotationPolicyDialog({ keyName, current, pinned, onReview, onClose }: RotationPolicyDialogProps) {
  const styles = useKeyRotationStyles();
  const [form, setForm] = useState<RotationPolicyFormState>(() => formFromPolicy(current));
  const errors = validatePolicyForm(form);
  const policy = policyFromForm(form);
  const set = (patch: Partial<RotationPolicyFormState>) => {
    setForm((previous) => ({ ...previous, ...patch }));
  };
  const unitSelect = (value: DurationUnit, label: string, onChange: (unit: DurationUnit) => void, disabled: boolean) => (
    <Select
      aria-label={label}
      value={value}
      disabled={disabled}
      onChange={(_event, data) => {
        onChange(data.value as DurationUnit);
      }}
    >
      <option value="days">days</option>
      <option value="months">months</option>
      <option value="years">years</option>
    </Select>
  );
  return (
    <FormDialog
      title={`Edit rotation policy of ${keyName}`}
      submitLabel="Review"
      busyLabel="Planning…"
      errorTitle="Could not plan the policy"
      commandName="plan_lifecycle"
      canSubmit={policy !== null}
      submit={() => {
        if (policy !== null) onReview(policy);
        return Promise.resolve();
      }}
      onClose={onClose}
    >
      {pinned && (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            The resource pins a key version: the versions this policy creates are not picked up until you rotate to
            them.
          </MessageBarBody>
        </MessageBar>
      )}
      <Checkbox
        checked={form.rotate}
        label="Rotate automatically"
        onChange={(_event, data) => {
          set({ rotate: data.checked === true });
        }}
      />
      <div className={styles.row}>
        <Field
          label="Rotate every"
          className={styles.grow}
          validationState={form.rotate && errors.rotateEvery !== undefined ? 'error' : 'none'}
          validationMessage={(form.rotate ? errors.rotateEvery : undefined) ?? null}
        >
          <Input
            inputMode="numeric"
            value={form.rotateEvery}
            disabled={!form.rotate}
            onChange={(_event, data) => {
              set({ rotateEvery: data.value });
            }}
          />
        </Field>
        {unitSelect(form.rotateUnit, 'Rotate every: unit', (unit) => {
          set({ rotateUnit: unit });
        }, !form.rotate)}
      </div>
      <Checkbox
        checked={form.expire}
        label="New versions expire"
        onChange={(_event, data) => {
          set({ expire: data.checked === true });
        }}
      />
      <div className={styles.row}>
        <Field
          label="Expire after"
          className={styles.grow}
          validationState={form.expire && errors.expireAfter !== undefined ? 'error' : 'none'}
          validationMessage={(form.expire ? errors.expireAfter : undefined) ?? null}
        >
          <Input
            inputMode="numeric"
            value={form.expireAfter}
            disabled={!form.expire}
            onChange={(_event, data) => {
              set({ expireAfter: data.value });
            }}
          />
        </Field>
        {unitSelect(form.expireUnit, 'Expire after: unit', (unit) => {
          set({ expireUnit: unit });
        }, !form.expire)}
      </div>
      <Checkbox
        checked={form.notify}
        label="Notify before expiry (Event Grid)"
        onChange={(_event, data) => {
          set({ notify: data.checked === true });
        }}
      />
      <Field
        label="Notify this many days before expiry"
        validationState={form.notify && errors.notifyDays !== undefined ? 'error' : 'none'}
        validationMessage={(form.notify ? errors.notifyDays : undefined) ?? null}
      >
        <Input
          inputMode="numeric"
          value={form.notifyDays}
          disabled={!form.notify}
          onChange={(_event, data) => {
            set({ notifyDays: data.value });
          }}
        />
      </Field>
    </FormDialog>
  );
}
