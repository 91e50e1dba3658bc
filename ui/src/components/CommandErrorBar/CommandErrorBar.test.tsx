import { screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { renderInFluent } from '../../test/render';
import { CommandErrorBar } from './CommandErrorBar';

describe('CommandErrorBar', () => {
  const error = {
    code: 'arm.forbidden',
    message: 'Your account cannot list resources in Contoso Production. Ask an owner for the Reader role.',
    details: 'AuthorizationFailed: does not have authorization to perform action',
  };

  it('says what failed, why, what to do, and the technical details', () => {
    renderInFluent(<CommandErrorBar title="Could not load resources" error={error} />);
    expect(screen.getByText('Could not load resources')).toBeInTheDocument();
    expect(screen.getByText(error.message, { exact: false })).toBeInTheDocument();
    expect(screen.getByText(/Error code: arm\.forbidden/)).toHaveTextContent(error.details);
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
  });

  it('offers Retry when the caller can retry', async () => {
    const onRetry = vi.fn();
    const { user } = renderInFluent(
      <CommandErrorBar title="Could not load resources" error={{ ...error, details: null }} onRetry={onRetry} />,
    );
    expect(screen.getByText(/Error code: arm\.forbidden/)).toHaveTextContent(/^Error code: arm\.forbidden$/);
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(onRetry).toHaveBeenCalledOnce();
  });
});
