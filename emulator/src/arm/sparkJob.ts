// The Spark job model, which Azure ML's REST API has (2022-10-01-preview, 2023-04-01 and later) but the
// 2022-10-01 SDK the other models come from does not: SparkJob (jobType "Spark") with its entry
// (SparkJobPythonEntry { file } or SparkJobScalaEntry { className }) and resources, written in the
// generated mappers' form from the REST spec's definitions (required: codeId, entry; codeId, file and
// className must contain a word character; runtimeVersion defaults to "3.1" on the service side).
import type { Mapper } from './mappers';

const WORD = /[a-zA-Z0-9_]/;
const string = (serializedName: string, extra: Partial<Mapper> = {}): Mapper => ({ serializedName, nullable: true, type: { name: 'String' }, ...extra });
const strings = (serializedName: string): Mapper => ({ serializedName, nullable: true, type: { name: 'Sequence', element: { type: { name: 'String' } } } });

const entryDiscriminator = { serializedName: 'sparkJobEntryType', clientName: 'sparkJobEntryType' };

const SparkJobEntry: Mapper = {
  serializedName: 'SparkJobEntry',
  type: {
    name: 'Composite',
    className: 'SparkJobEntry',
    uberParent: 'SparkJobEntry',
    polymorphicDiscriminator: entryDiscriminator,
    modelProperties: { sparkJobEntryType: { serializedName: 'sparkJobEntryType', required: true, type: { name: 'String' } } },
  },
};

const entry = (name: string, property: string): Mapper => ({
  serializedName: name,
  type: {
    name: 'Composite',
    className: `SparkJob${name}`,
    uberParent: 'SparkJobEntry',
    polymorphicDiscriminator: entryDiscriminator,
    modelProperties: { ...SparkJobEntry.type.modelProperties, [property]: string(property, { required: true, nullable: false, constraints: { MinLength: 1, Pattern: WORD } }) },
  },
});

const SparkResourceConfiguration: Mapper = {
  serializedName: 'SparkResourceConfiguration',
  type: { name: 'Composite', className: 'SparkResourceConfiguration', modelProperties: { instanceType: string('instanceType'), runtimeVersion: string('runtimeVersion') } },
};

/** The Spark models, and the discriminator entries that make them subtypes, given the generated JobBaseProperties and CommandJob. */
export function sparkModels(jobBaseProperties: Mapper, commandJob: Mapper): { models: Record<string, Mapper>; discriminators: Record<string, Mapper> } {
  const command = commandJob.type.modelProperties!;
  const SparkJob: Mapper = {
    serializedName: 'Spark',
    type: {
      name: 'Composite',
      className: 'SparkJob',
      uberParent: jobBaseProperties.type.uberParent,
      polymorphicDiscriminator: jobBaseProperties.type.polymorphicDiscriminator,
      modelProperties: {
        ...jobBaseProperties.type.modelProperties,
        archives: strings('archives'),
        args: string('args'),
        codeId: string('codeId', { required: true, nullable: false, constraints: { Pattern: WORD } }),
        conf: { serializedName: 'conf', nullable: true, type: { name: 'Dictionary', value: { nullable: true, type: { name: 'String' } } } },
        entry: { serializedName: 'entry', required: true, type: { name: 'Composite', className: 'SparkJobEntry' } },
        environmentId: string('environmentId'),
        files: strings('files'),
        inputs: command.inputs,
        jars: strings('jars'),
        outputs: command.outputs,
        pyFiles: strings('pyFiles'),
        resources: { serializedName: 'resources', type: { name: 'Composite', className: 'SparkResourceConfiguration' } },
      },
    },
  };
  const SparkJobPythonEntry = entry('PythonEntry', 'file');
  const SparkJobScalaEntry = entry('ScalaEntry', 'className');
  return {
    models: { SparkJob, SparkJobEntry, SparkJobPythonEntry, SparkJobScalaEntry, SparkResourceConfiguration },
    discriminators: {
      'JobBaseProperties.Spark': SparkJob,
      'SparkJobEntry.SparkJobPythonEntry': SparkJobPythonEntry,
      'SparkJobEntry.SparkJobScalaEntry': SparkJobScalaEntry,
    },
  };
}
