// The sample NoCloud seed `npm run demo` boots, and the build boots to train the code cache.
export const SAMPLE_SEED = {
  "meta-data": "instance-id: iid-demo-0001\nlocal-hostname: demo.example.org\n",
  "user-data": `#cloud-config
bootcmd:
  - 'echo "bootcmd: instance $INSTANCE_ID" >> /var/tmp/demo.log'
write_files:
  - path: /etc/motd
    content: "Configured by cloud-agent\\n"
    permissions: '0644'
runcmd:
  - 'echo "runcmd: ran once for this instance" >> /var/tmp/demo.log'
  - [sh, -c, 'echo "runcmd: argv item with quotes and ; stays one word: $0" >> /var/tmp/demo.log', "it's; fine"]
final_message: "cloud-agent demo finished in $UPTIME seconds of uptime"
`,
};
