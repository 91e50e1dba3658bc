import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderInFluent } from '../../test/render';
import { BladeSection } from '../BladeSection';
import { FactList } from './FactList';

describe('FactList in a BladeSection', () => {
  it('pairs each term with its value, inside a region named by the section title', () => {
    renderInFluent(
      <BladeSection title="Essentials">
        <FactList
          facts={[
            { term: 'Resource group', value: 'rg-images' },
            { term: 'Resource ID', value: '/subscriptions/1/resourceGroups/rg-images', monospace: true },
          ]}
        />
      </BladeSection>,
    );
    const section = screen.getByRole('region', { name: 'Essentials' });
    expect(within(section).getAllByRole('term').map((t) => t.textContent)).toEqual(['Resource group', 'Resource ID']);
    expect(within(section).getAllByRole('definition').map((d) => d.textContent)).toEqual([
      'rg-images',
      '/subscriptions/1/resourceGroups/rg-images',
    ]);
  });

  it('gives two sections on one page distinct names', () => {
    renderInFluent(
      <>
        <BladeSection title="System assigned">
          <p>On</p>
        </BladeSection>
        <BladeSection title="User assigned">
          <p>None</p>
        </BladeSection>
      </>,
    );
    expect(screen.getByRole('region', { name: 'System assigned' })).toHaveTextContent('On');
    expect(screen.getByRole('region', { name: 'User assigned' })).toHaveTextContent('None');
  });
});
