import {
  NavCategory,
  NavCategoryItem,
  NavDrawer,
  NavDrawerBody,
  NavItem,
  NavSubItem,
  NavSubItemGroup,
  type OnNavItemSelectData,
} from '@fluentui/react-components';
import { Home20Regular, Info20Regular, Settings20Regular } from '@fluentui/react-icons';
import { bladeTitles, settingsBlades, type BladeId } from '../../model/blades';
import { useResourceMenuStyles } from './useResourceMenuStyles.styles';

export interface ResourceMenuProps {
  selected: BladeId;
  onSelect: (blade: BladeId) => void;
}

const settingsCategory = 'settings';

function isBladeId(value: string): value is BladeId {
  return Object.hasOwn(bladeTitles, value);
}

/** The resource menu on the left: Home (every resource), then as in the portal: Overview, Settings › Identity, Encryption. */
export function ResourceMenu({ selected, onSelect }: ResourceMenuProps) {
  const styles = useResourceMenuStyles();
  const onNavItemSelect = (_event: unknown, data: OnNavItemSelectData) => {
    if (isBladeId(data.value)) {
      onSelect(data.value);
    }
  };
  return (
    <NavDrawer
      className={styles.root}
      type="inline"
      open
      // Always open, so nothing to unmount; and without this the menu plays its "appear" slide on
      // every start, which hid the prerendered menu for a frame while the app hydrated.
      unmountOnClose={false}
      aria-label="Resource menu"
      selectedValue={selected}
      // Always controlled (an empty string selects no category): switching to uncontrolled would reset it.
      selectedCategoryValue={settingsBlades.includes(selected) ? settingsCategory : ''}
      defaultOpenCategories={[settingsCategory]}
      onNavItemSelect={onNavItemSelect}
    >
      <NavDrawerBody>
        <NavItem value="home" icon={<Home20Regular />}>
          {bladeTitles.home}
        </NavItem>
        <NavItem value="overview" icon={<Info20Regular />}>
          {bladeTitles.overview}
        </NavItem>
        <NavCategory value={settingsCategory}>
          <NavCategoryItem icon={<Settings20Regular />}>Settings</NavCategoryItem>
          <NavSubItemGroup>
            {settingsBlades.map((blade) => (
              <NavSubItem key={blade} value={blade}>
                {bladeTitles[blade]}
              </NavSubItem>
            ))}
          </NavSubItemGroup>
        </NavCategory>
      </NavDrawerBody>
    </NavDrawer>
  );
}
