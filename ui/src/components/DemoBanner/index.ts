export { DemoBanner, demoBannerText } from './DemoBanner';
