export { Header, type HeaderProps } from './Header';
export { breadcrumbTrail, notificationsButtonLabel } from './headerText';
