/**
 * install-cni: {@link dev.cni4j.agent.install.CniInstaller} copies the plugin launchers and their
 * runtime into the CNI bin dir, writes the conflist (the agent's default one:
 * {@link dev.cni4j.agent.install.CniInstaller#defaultConflist}) and removes only what it wrote.
 * Files only, no kernel or API access. May depend on {@code cni4j-core} ({@code dev.cni4j.node});
 * not on any other agent package.
 */
package dev.cni4j.agent.install;
