// The built-in envs, registered on import (as `import gymnasium` does); each folder registers its own.
import './classic/register.ts';
import './grid/register.ts';
import './watch-repair/register.ts';
import './bowling/register.ts';
import './item-chain/register.ts';
import './venture/register.ts';
