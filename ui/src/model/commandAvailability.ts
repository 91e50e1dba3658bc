import { signedOutSentence } from '../state/session';
import type { ResourceContext } from './resourceContext';

/**
 * Why a command that needs a resource cannot run in `context`, or null when it has one. The sentence
 * is shown in the disabled command's tooltip.
 */
export function resourceCommandBlocker(context: ResourceContext, needs: string): string | null {
  switch (context.kind) {
    case 'loadingSession':
      return 'keyblade is still checking your Azure session.';
    case 'connecting':
      return `${context.message} Wait until keyblade is connected.`;
    case 'sessionUnavailable':
      return "keyblade could not read your session, so it cannot reach Azure. See the error on this page.";
    case 'signedOut':
      return signedOutSentence(context.reason);
    case 'noResource':
      return `No resource selected. Select ${needs} first.`;
    case 'resource':
      return null;
  }
}
