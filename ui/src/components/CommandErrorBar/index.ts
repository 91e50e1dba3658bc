export { CommandErrorBar, type CommandErrorBarProps } from './CommandErrorBar';
