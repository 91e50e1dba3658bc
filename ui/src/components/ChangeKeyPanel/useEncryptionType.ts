import { useState } from 'react';
import type { DesiredChange, KeySource, KindRules } from '../../bindings';
import { offersEncryptionType, saveNeedsConfirmation } from './changeKeyForm';

export interface EncryptionTypeState {
  /** Whether the panel shows Encryption type (the kind can go back to Microsoft-managed keys). */
  offered: boolean;
  keySource: KeySource;
  /** Microsoft-managed keys are chosen: the key and identity sections are hidden. */
  turningOff: boolean;
  choose: (keySource: KeySource) => void;
  /** "Turn off customer-managed keys?" is open. */
  confirming: boolean;
  /** Save: asks first when it turns customer-managed keys off, else saves at once. */
  requestSave: (desired: DesiredChange | null, save: () => void) => void;
  cancelTurnOff: () => void;
  confirmTurnOff: (save: () => void) => void;
}

/** The Change key panel's Encryption type and its Save confirmation, for a kind's rules. */
export function useEncryptionType(rules: KindRules): EncryptionTypeState {
  const [chosen, setChosen] = useState<KeySource>('customerManaged');
  const [confirming, setConfirming] = useState(false);
  const offered = offersEncryptionType(rules);
  const keySource: KeySource = offered ? chosen : 'customerManaged';
  return {
    offered,
    keySource,
    turningOff: keySource === 'microsoftManaged',
    choose: setChosen,
    confirming,
    requestSave: (desired, save) => {
      if (saveNeedsConfirmation(desired)) {
        setConfirming(true);
      } else {
        save();
      }
    },
    cancelTurnOff: () => {
      setConfirming(false);
    },
    confirmTurnOff: (save) => {
      setConfirming(false);
      save();
    },
  };
}
