export { HomeBlade, type HomeBladeProps } from './HomeBlade';
export { initialHomeView, type HomeView } from './homeView';
export { useHome, type HomeState } from './useHome';
