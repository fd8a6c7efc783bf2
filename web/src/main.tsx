import './zod-config';
import '@mantine/core/styles.css';
import '@mantine/charts/styles.css';
import {
  type CSSVariablesResolver,
  createTheme,
  DirectionProvider,
  defaultVariantColorsResolver,
  MantineProvider,
  type VariantColorsResolver,
} from '@mantine/core';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { direction, language } from './i18n';

document.documentElement.lang = language;
document.documentElement.dir = direction;

/**
 * Contrast (WCAG AA, 4.5:1 for text): darker shades than Mantine's defaults for filled colours, dimmed text and
 * the text of light variants.
 */
const theme = createTheme({ primaryShade: { light: 9, dark: 4 }, autoContrast: true });
/** Hues whose dark shades are still too light for white text: they get black text on a light shade. */
const LIGHT_HUES = new Set(['yellow', 'orange', 'lime']);
const variantColorResolver: VariantColorsResolver = (input) => {
  const colors = defaultVariantColorsResolver(input);
  const base = input.color ?? input.theme.primaryColor;
  if (input.variant === 'light' || input.variant === 'subtle' || input.variant === 'outline')
    return {
      ...colors,
      color: LIGHT_HUES.has(base) ? 'var(--mantine-color-black)' : `var(--mantine-color-${base}-9)`,
    };
  if (input.variant === 'filled')
    return LIGHT_HUES.has(base)
      ? { ...colors, background: `var(--mantine-color-${base}-4)`, color: 'var(--mantine-color-black)' }
      : { ...colors, background: `var(--mantine-color-${base}-9)`, color: 'var(--mantine-color-white)' };
  return colors;
};
const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)' },
  dark: {},
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <DirectionProvider initialDirection={direction}>
      <MantineProvider theme={{ ...theme, variantColorResolver }} cssVariablesResolver={cssVariablesResolver}>
        <App />
      </MantineProvider>
    </DirectionProvider>
  </StrictMode>,
);
